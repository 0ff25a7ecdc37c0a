"""Video access: probe a container, plan sparse reads, decode candidates, read subtitles."""

from .decode import ReadPlan, iter_decoded, plan_reads, to_rgb
from .probe import FrameTable, SubtitleStreamInfo, VideoInfo, probe

__all__ = ["FrameTable", "ReadPlan", "SubtitleStreamInfo", "VideoInfo", "iter_decoded", "plan_reads", "probe", "to_rgb"]
