"""The model architectures: each folder holds exactly the files `save_pretrained` copies beside the weights."""
