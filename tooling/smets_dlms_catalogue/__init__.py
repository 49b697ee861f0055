# SPDX-License-Identifier: GPL-2.0-only
"""A separate program that answers questions about the DLMS/COSEM OBIS code list of gurux-dlms.

Licence: GPL-2.0-only (it imports gurux-dlms, which is GPL-2.0-only). It is NOT part of the
Apache-2.0 program ``smets_spec``: it imports nothing from it, runs in its own process
(``python -m smets_dlms_catalogue``) and talks to the core only through JSON on stdin/stdout
(see docs/licensing.md). Keep it that way: never import this package from ``smets_spec``.
"""
