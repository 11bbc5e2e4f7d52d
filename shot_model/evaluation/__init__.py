"""Scoring models on labelled shots: the metrics, the one scorer every accuracy figure comes from, and the
non-learned baselines (a face-size rule for scale, a global-motion rule for movement) it compares against.
"""
