"""Packaging the demo as a Hugging Face Space."""
