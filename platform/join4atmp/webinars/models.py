"""Webinars, registrations, the waiting list and questions sent ahead."""
