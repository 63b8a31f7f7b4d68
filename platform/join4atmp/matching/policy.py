"""The object rule of the matching area: a match request belongs to the expert it was sent to.

The asker's side (who may send a question to experts) is the questions area's ``is_asker``.
"""


def is_request_expert(match_request, user) -> bool:
    """request.expert: only the expert a request was sent to may see it, accept it or decline it."""
    return user is not None and user.is_authenticated and match_request.profile.user_id == user.id
