"""Writing results out: JSON, CSV, EDL, contact sheets (exports), per-shot clip files, and the app's figures."""
