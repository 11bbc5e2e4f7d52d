"""OpenTimelineIO export: a timeline with one video track, a clip a shot, each carrying a marker with its labels
and confidences. DaVinci Resolve imports `.otio` directly; Premiere and Avid through OTIO's adapters.
"""

from pathlib import Path

from ..results import VideoAnalysis

# Marker colours by shot scale (OTIO's named colours), as the EDL's, so both timelines read alike.
MARKER_COLOURS = {"ECS": "RED", "CS": "PINK", "MS": "YELLOW", "FS": "GREEN", "LS": "BLUE"}


def to_otio(analysis: VideoAnalysis) -> str:
    """The analysis as an OTIO timeline (JSON text): the clips cut the source video at every shot boundary."""
    import opentimelineio as otio

    rate = analysis.fps
    media = otio.schema.ExternalReference(
        target_url=Path(analysis.file).resolve().as_uri(),
        available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(analysis.num_frames, rate)),
    )
    track = otio.schema.Track(name="shots", kind=otio.schema.TrackKind.Video)
    for prediction in analysis.shots:
        shot = prediction.shot
        source_range = otio.opentime.TimeRange(otio.opentime.RationalTime(shot.start_frame, rate), otio.opentime.RationalTime(shot.num_frames, rate))
        labels = {
            "shot": shot.index,
            "scale": prediction.scale,
            "scale_confidence": prediction.scale_confidence,
            "movement": prediction.movement,
            "movement_confidence": prediction.movement_confidence,
            "scale_probs": prediction.scale_probs,
            "movement_probs": prediction.movement_probs,
        }
        clip = otio.schema.Clip(name=f"shot {shot.index}", media_reference=media.clone(), source_range=source_range, metadata={"shot_model": labels})
        clip.markers.append(
            otio.schema.Marker(
                name=f"{prediction.scale or '-'} / {prediction.movement or '-'}",
                marked_range=otio.opentime.TimeRange(source_range.start_time, otio.opentime.RationalTime(0, rate)),
                color=MARKER_COLOURS.get(prediction.scale, "PURPLE"),
                metadata={"shot_model": labels},
            )
        )
        transition = shot.transition_in
        if transition is not None and transition.kind == "gradual":
            # The dissolve straddles the split: its frames before the cut belong to the outgoing clip, the rest to this.
            track.append(
                otio.schema.Transition(
                    transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                    in_offset=otio.opentime.RationalTime(shot.start_frame - transition.first_frame, rate),
                    out_offset=otio.opentime.RationalTime(transition.end_frame - shot.start_frame, rate),
                )
            )
        track.append(clip)
    timeline = otio.schema.Timeline(name=Path(analysis.file).stem, tracks=[track])
    timeline.metadata["shot_model"] = {"model": analysis.model_id, "weights_sha256": analysis.model_weights, "fps": rate}
    return otio.adapters.write_to_string(timeline, "otio_json")
