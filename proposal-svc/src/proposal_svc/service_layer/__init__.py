"""The use cases, one class per capability, built once in bootstrap.py. A command opens its own
transaction (Store.transaction), so a state change and its events commit together; an event
handler's runs in the transaction the chassis consumer opened for it (with its inbox marker)."""
