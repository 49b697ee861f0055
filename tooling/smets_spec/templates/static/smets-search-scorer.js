/* The site's search scorer (Sphinx's html_search_scorer; written into _static/language_data.js).
 * Sphinx's defaults, plus: the item whose id is the query (GS.08, DAT_METER_BALANCE, DEV_GSME)
 * comes first. Sphinx splits "GS.08" into "gs" and "08", which alone would rank PC.08 or any
 * page containing "gs" level with it. */
var Scorer = {
  score: (result) => {
    const [docname, title, anchor, , score] = result;
    const query = (new URLSearchParams(window.location.search).get("q") || "").trim().toLowerCase();
    if (!query) return score;
    const name = String(title || "").toLowerCase();
    const exact =
      name === query ||
      name.startsWith(query + " ") ||
      String(anchor || "").toLowerCase() === "#" + query ||
      String(docname || "").toLowerCase().endsWith("/" + query);
    return exact ? score + 1000 : score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
