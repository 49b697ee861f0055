/* The site's search scorer (Sphinx's html_search_scorer; written into _static/language_data.js).
 * Sphinx's defaults, plus: the item whose id is the query (GS_08, DAT_METER_BALANCE, DEV_GSME),
 * or whose clause number is (GS.08, the form a reader sees), comes first. Sphinx splits "GS_08"
 * into "gs" and "08", which alone would rank PC_08 or any page containing "gs" level with it. */
var Scorer = {
  score: (result) => {
    const [docname, title, anchor, , score] = result;
    const query = (new URLSearchParams(window.location.search).get("q") || "").trim().toLowerCase();
    if (!query) return score;
    // a clause number (gs.08, 5.4.8.1) names the same requirement as its need id (gs_08)
    const id = /^[a-z]{2}\.\d{1,3}$/.test(query) ? query.replace(".", "_") : query;
    const name = String(title || "").toLowerCase();
    const exact = [query, id].some(
      (q) =>
        name === q ||
        name.startsWith(q + " ") ||
        String(anchor || "").toLowerCase() === "#" + q ||
        String(docname || "").toLowerCase().endsWith("/" + q),
    );
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
