"""The web layer: blueprints that parse input, call one service, commit once and render."""
