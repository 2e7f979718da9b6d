"""What can go wrong when changing clients and their relationships.

Bad field values raise Django's `ValidationError` (a dict keyed by field, each message starting
with the field's label) so forms can show them next to the field. The errors below are about
the state of the records rather than one input; their `message` is fit to show as it is.
"""

from tandem.errors import TandemError


class ClientError(TandemError):
    """Base of the clients app's user-facing errors."""

    code = "client_error"


class ClientStateError(ClientError):
    """The client is not in a state that allows the action, e.g. archiving it twice."""

    code = "client_state"


class RelationshipError(ClientError):
    """Base of the rules a relationship between an entity and an individual must follow."""

    code = "relationship_invalid"


class RelationshipKindError(RelationshipError):
    """The entity side is not a company, trust or partnership, or the person is not an
    individual."""

    code = "relationship_kind"


class RelationshipFirmError(RelationshipError):
    """The two clients belong to different firms."""

    code = "relationship_firm"


class RelationshipExistsError(RelationshipError):
    """The individual already holds that role in that entity."""

    code = "relationship_exists"


class ClientMergeError(ClientError):
    """The contacts cannot be merged as asked, e.g. fewer than two or not all individuals."""

    code = "client_merge"


class ClientMergeConflictError(ClientMergeError):
    """Someone else merged (or undid a merge of) these contacts first."""

    code = "client_merge_conflict"


class ClientMergeUndoError(ClientMergeError):
    """Changes made since the merge would be lost or contradicted by undoing it."""

    code = "client_merge_undo"
