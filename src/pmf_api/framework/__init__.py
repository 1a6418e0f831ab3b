"""The council's framework: its organisation and structure, the Corporate Plan and service plans, actions."""
