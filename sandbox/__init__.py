"""Small HTTP servers that stand in for the external systems Tandem talks to.

Each sandbox speaks its system's published contract over loopback, so connectors can be
tested and demonstrated without the real service; a real account works by changing
configuration only.
"""
