"""The YAML dialogue tree: loading, validation, the conversation state machine, cause scoring."""
