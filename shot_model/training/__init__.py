"""Training support beyond `train.py`: the accelerator set-up and masked (self-supervised) pretraining."""
