"""The public site, server-rendered in Korean."""
