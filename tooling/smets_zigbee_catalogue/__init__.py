# SPDX-License-Identifier: GPL-3.0-or-later
"""A separate program that dumps the ZigBee Smart Energy cluster definitions of zigpy as JSON.

Licence: GPL-3.0-or-later (it imports zigpy, which is GPL-3.0). It imports nothing from the
Apache-2.0 ``smets_spec`` and runs in its own process (``python -m smets_zigbee_catalogue``);
the core reads its JSON from a pipe (see docs/licensing.md). Never import it from
``smets_spec``, and never load it in a process that also loads GPL-2.0-only code (gurux).
"""
