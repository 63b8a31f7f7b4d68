"""One helper for the small "list of codes" relations (topics, languages) that several models keep."""


def synced_links(links, attribute, wanted, factory):
    """The links to keep for the ``wanted`` values, in order: existing rows are reused, new ones made
    by ``factory(value)``, duplicates dropped. Assign the result back to the relationship."""
    wanted = list(dict.fromkeys(wanted))
    kept = [link for link in links if getattr(link, attribute) in wanted]
    have = {getattr(link, attribute) for link in kept}
    return kept + [factory(value) for value in wanted if value not in have]
