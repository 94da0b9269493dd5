"""MongoDB repositories and the delivery channels (inbox, e-mail, SMS)."""
