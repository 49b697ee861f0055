"""smets-dlms: the DLMS/COSEM wire front end of smets-spec (GPL-2.0-or-later).

A separate program, started by the smets-spec core as a child process and driven over its
standard input and output (one JSON object per line, see :mod:`.protocol`). It imports only
gurux-dlms and the standard library and holds no model state.
"""

__version__ = "0.1.0"
