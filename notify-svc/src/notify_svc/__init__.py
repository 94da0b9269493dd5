"""notify-svc: followers of items, the in-app inbox and outgoing e-mail/SMS behind one interface."""
