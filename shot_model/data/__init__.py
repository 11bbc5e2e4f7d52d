"""Labelled shots: the shot table (schema, CSV reading, splits), the training dataset and its augmentations,
`shot-model prepare` for every data source, and generated videos for tests and the demo.
"""
