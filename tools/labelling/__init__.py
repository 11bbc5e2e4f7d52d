"""Tools for people labelling shots by `../shared/LABELING.md`: contact sheets to judge scale and movement from."""
