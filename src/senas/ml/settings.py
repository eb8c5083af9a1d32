"""Settings of the ML service only (``SENAS_ML_*``), kept apart from the platform-wide ``Settings``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MlSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SENAS_ML_", extra="ignore", frozen=True)

    # Video limits (the learner is told which one was broken).
    max_video_bytes: int = Field(50 * 1024 * 1024, ge=1)
    max_video_seconds: float = Field(15.0, gt=0)
    min_video_seconds: float = Field(0.5, ge=0)
    target_fps: float = Field(15.0, gt=0, le=60, description="frames per second fed to the hand model")
    max_frame_width: int = Field(960, ge=160, description="frames are scaled down to this width before detection")
    # What a file may claim before a frame of it is decoded, and what one decode may take (a hostile file's
    # header can lie; the decode counts and times itself too).
    max_video_side: int = Field(1920, ge=160, le=8192, description="largest picture side accepted, px")
    max_video_pixels: int = Field(1920 * 1088, ge=160 * 120, description="largest picture accepted, pixels")
    max_video_fps: float = Field(120.0, gt=0, le=1000)
    max_decode_seconds: float = Field(90.0, gt=0, description="wall time of one video's decode and tracking")
    # Video decoding and hand tracking are CPU- and memory-heavy: one at a time per process keeps the worker
    # inside its memory budget (1 GB) on a 2-core task.
    video_concurrency: int = Field(1, ge=1, le=8)
    # Photos (fingerspelling) decoded at once: each up to 16 Mpx × 3 bytes before it is scaled for the model.
    image_concurrency: int = Field(2, ge=1, le=16)
    min_hand_frames: int = Field(3, ge=1, description="frames with a hand needed to score an attempt")
    # The hand model file to register when the ml-models store has none (the embedded profile's first start and
    # `senas ml install-models`). Default: the file `make install` put beside the packages.
    hand_model_path: Path | None = None
    # The pose model file (built by `make install` into <venv>/share/senas/) to register likewise. Optional: without
    # it location is judged against the frame.
    pose_model_path: Path | None = None
    # The body moves slowly: the pose model runs on every k-th sampled frame, the frames between interpolated
    # (bench/ml_pipeline.py measures the cost).
    pose_every: int = Field(3, ge=1, le=30, description="run the pose model on every k-th frame")
    # Embedded profile: at start-up, register what ships with the installation in the ml-models store when it is
    # missing or out of date (the MediaPipe models, the packaged fingerspelling classifier and handshape metric, the
    # demo templates). No dataset is read at run time: the models are built by `senas ml train …` and packaged.
    bootstrap: bool = True
    scorer_model: str = Field("sign-scorer", description="name of the scoring model on the inference port")
