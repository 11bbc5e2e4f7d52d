"""Data preparation for shot-model: turn MovieShots, a labelled CSV or class folders into a shot table."""
