"""One small picture a shot, kept as JPEG so that an hour of ad-paced video does not hold its frames in memory.

A 256x144 BGR frame is 110 kB; 40 shots a minute for an hour are 2,400 of them, 265 MB that grew with the video's
length (the growth of peak RSS bench/long_video.py showed). As JPEG (quality 90) one is 5-10 kB, and decoding it
again for a gallery or a contact sheet takes well under a millisecond.
"""

from collections.abc import Iterable, Sequence

import cv2
import numpy as np

JPEG_QUALITY = 90


class Thumbnails(Sequence):
    """A list of BGR frames stored JPEG-encoded: append a frame, index or iterate to get frames back."""

    def __init__(self, frames: Iterable[np.ndarray] = ()):
        self._encoded: list[bytes] = []
        for frame in frames:
            self.append(frame)

    def append(self, bgr: np.ndarray) -> None:
        ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise ValueError(f"could not encode a thumbnail of shape {bgr.shape} as JPEG")
        self._encoded.append(encoded.tobytes())

    def __len__(self) -> int:
        return len(self._encoded)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return cv2.imdecode(np.frombuffer(self._encoded[index], np.uint8), cv2.IMREAD_COLOR)

    @property
    def nbytes(self) -> int:
        """Bytes held: what the thumbnails cost in memory."""
        return sum(len(encoded) for encoded in self._encoded)
