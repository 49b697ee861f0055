"""Protocol assessment: the data catalogue checked against DLMS/COSEM and ZigBee Smart Energy.

Catalogues come from gurux-dlms and zigpy, each run in its own helper process (GPL code never
enters this Apache-2.0 process; see docs/licensing.md). Floor 2: imports corpus/, markup/, trace/.
"""
