"""The person gate of the scale head: two framings, people's and everything else's, blended by how likely the
subject is a person. Pure torch, so that the fast CPU copy (shot_model/fast_inference.py) runs it without transformers.
"""

import torch
import torch.nn.functional as F


def person_gated_scale_logits(person_logits: torch.Tensor, other_logits: torch.Tensor, gate_logits: torch.Tensor) -> torch.Tensor:
    """log(g p_person + (1 - g) p_other) with g = sigmoid(gate): the blend's log-probabilities, so softmax and the
    cross-entropy treat them as one head's scores. (batch, labels), (batch, labels), (batch, 1) -> (batch, labels)."""
    person = F.logsigmoid(gate_logits) + person_logits.log_softmax(dim=-1)
    other = F.logsigmoid(-gate_logits) + other_logits.log_softmax(dim=-1)
    return torch.logaddexp(person, other)
