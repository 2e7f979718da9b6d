class AgentError(Exception):
    """Something the person running the agent must know, in one readable line; the command
    stops with a non-zero exit."""
