"""Training-time augmentations that keep a clip's camera-movement label true."""
