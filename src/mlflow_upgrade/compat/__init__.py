"""Will everything that talks to the store still work after the upgrade?

Client/server verdicts (from the catalog's generated route and client-call tables), pin scanning, the live
server probe's version facts, and the model inventory (which logged models load on the target).
"""
