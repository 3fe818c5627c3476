"""The Textual app: screens, widgets, bindings, the command palette."""
