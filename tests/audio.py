"""
Real audio made in the test: a tone encoded by PyAV into the containers phones produce.

``tone("webm")`` is a WebM/Opus recording as Chrome's MediaRecorder makes, ``"mp4"`` an
AAC in MP4 (iPhone, many Android recorders), ``"wav"`` PCM, ``"ogg"`` Ogg/Opus, ``"mp3"``,
``"amr"`` (the narrow-band voice codec of old phones). ``long_ogg(seconds)`` is a long
Ogg/Opus file made cheaply: one encoded packet of silence muxed again and again.
"""

import array
import io
import math

import av

CODECS = {
    "webm": ("webm", "libopus", 48000, "stereo"),
    "mp4": ("mp4", "aac", 44100, "stereo"),
    "wav": ("wav", "pcm_s16le", 44100, "stereo"),
    "ogg": ("ogg", "libopus", 48000, "mono"),
    "mp3": ("mp3", "libmp3lame", 44100, "mono"),
}


def tone(
    kind: str = "webm", seconds: float = 3.0, *, metadata: dict | None = None, hz=440
) -> bytes:
    fmt, codec, rate, layout = CODECS[kind]
    channels = 2 if layout == "stereo" else 1
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt) as out:
        out.metadata.update(metadata or {})
        stream = out.add_stream(codec, rate=rate, layout=layout)
        total, step = int(seconds * rate), 1024
        for start in range(0, total, step):
            count = min(step, total - start)
            samples = array.array(
                "h",
                (
                    int(9000 * math.sin(2 * math.pi * hz * (start + k) / rate))
                    for k in range(count)
                    for _ in range(channels)
                ),
            )
            frame = av.AudioFrame(format="s16", layout=layout, samples=count)
            frame.planes[0].update(samples.tobytes())
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def long_ogg(seconds: int) -> bytes:
    """An Ogg/Opus file ``seconds`` long, built from one packet of silence (fast to make)."""
    rate, step = 48000, 960  # 20 ms
    encoded = io.BytesIO()
    with av.open(encoded, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=rate, layout="mono")
        frame = av.AudioFrame(format="s16", layout="mono", samples=step)
        frame.planes[0].update(bytes(2 * step))
        frame.sample_rate = rate
        frame.pts = 0
        packets = list(stream.encode(frame)) + list(stream.encode(None))
    silence = bytes(packets[0])
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=rate, layout="mono")
        for index in range(seconds * 50):
            packet = av.Packet(silence)
            packet.stream = stream
            packet.pts = packet.dts = index * step
            packet.time_base = stream.time_base
            out.mux(packet)
    del encoded
    return buffer.getvalue()
