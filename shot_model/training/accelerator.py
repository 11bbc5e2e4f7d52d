"""An `accelerate.Accelerator` that also works as several CPU processes on a machine without a GPU.

Under torchrun (`accelerate launch --multi_gpu --num_processes N`) on a CPU-only machine, accelerate joins the
processes over gloo only when asked to use the CPU; otherwise each process would quietly run alone.
"""

import os

import torch


def make_accelerator(**kwargs):
    from accelerate import Accelerator

    several_processes = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if several_processes and not torch.cuda.is_available():
        kwargs.setdefault("cpu", True)
    return Accelerator(**kwargs)
