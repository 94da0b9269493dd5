"""The gateway: public site, REST API, identity and roles. It authenticates callers and forwards
commands and queries to the services over HTTP, passing the actor in one signed-off header."""
