"""The chat window's widgets: messages, the conversation, the prompt, the status line."""
