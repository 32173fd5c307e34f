"""
Benchmark voice notes: bytes per minute, conversion time, and a thread of ten voice notes.

Run it with ``make bench-voice`` (or ``.venv/bin/python bench/voice.py``).

1. A minute of speech-like sound (voiced syllables: a pitch that moves, its
   harmonics and an envelope, with breath noise and pauses; no recording
   ships with the code) is encoded as a phone would send it: WebM/Opus as
   Chrome's MediaRecorder does, MP4/AAC as iPhones and many Android
   recorders do, and WAV. Each is converted by ``forum.media.convert_voice``
   (``--rounds`` times; the median is kept): seconds of conversion per
   minute of audio, and the Opus it gives in bytes per minute (target
   ≤ 180 KB/min).
2. A throw-away test database (in-memory SQLite) holds a thread with ten
   voice replies of 20 s to 2 min, posted through ``forum.services``. Its
   page is opened as a signed-in member; a first visit downloads the HTML
   and every stylesheet and script it references, gzip-compressed (as in
   bench/thread_page.py), and no audio at all: players are
   ``preload="none"``, so nothing of a note is fetched before "play"
   (target ≤ 60 KB). The audio bytes that *would* be fetched by playing
   every note are given beside it.

Results are printed and written into docs/benchmarks.md between the
``voice`` markers (``--no-docs`` leaves the file alone).
"""

import argparse
import array
import datetime
import io
import math
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"

import av  # noqa: E402
import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402
from thread_page import KB, bench_database, first_visit, gzip_size, replace_section  # noqa: E402

RATE = 48000
TARGET_KB_PER_MINUTE = 180.0
TARGET_FIRST_VISIT_KB = 60.0
VOICE_NOTES = 10
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- voice:start -->", "<!-- voice:end -->"
COMMAND = ".venv/bin/python bench/voice.py"
FORMATS = {
    "WebM/Opus (Chrome, Android)": ("webm", "libopus", "stereo", 48000),
    "MP4/AAC (iPhone, recorders)": ("mp4", "aac", "stereo", 44100),
    # Stereo WAV passes the 10 MB upload limit at one minute: recorders that write WAV
    # for voice write it mono.
    "WAV (PCM mono)": ("wav", "pcm_s16le", "mono", 44100),
}


WEBM = FORMATS["WebM/Opus (Chrome, Android)"]


# A minute of speech-like sound -----------------------------------------------------------------


def syllable(rng: random.Random, rate: int) -> list[int]:
    """A voiced syllable: a gliding pitch, eight harmonics, an envelope, a little breath."""
    length = int(rate * rng.uniform(0.12, 0.3))
    start, end = rng.uniform(150, 260), rng.uniform(140, 280)
    weights = [1 / (k**1.2) for k in range(1, 9)]
    phase, out = 0.0, []
    for n in range(length):
        pitch = start + (end - start) * n / length
        phase += 2 * math.pi * pitch / rate
        envelope = math.sin(math.pi * n / length) ** 0.6
        value = sum(w * math.sin(k * phase) for k, w in enumerate(weights, 1))
        out.append(int(6000 * envelope * value + rng.gauss(0, 300)))
    return out


def speech(seconds: float, rate: int, seed: int = 14) -> array.array:
    rng = random.Random(seed)
    bank = [syllable(rng, rate) for _ in range(12)]
    samples = array.array("h")
    while len(samples) < seconds * rate:
        for _ in range(rng.randint(3, 9)):  # a word group, then a pause
            samples.extend(rng.choice(bank))
        samples.extend(int(rng.gauss(0, 120)) for _ in range(int(rate * rng.uniform(0.15, 0.5))))
    del samples[int(seconds * rate) :]
    return samples


def encode(mono: array.array, fmt: str, codec: str, layout: str, rate: int) -> bytes:
    """``mono`` (at RATE) written as a phone would: its container, codec, layout and rate."""
    if rate != RATE:
        step = RATE / rate
        mono = array.array("h", (mono[int(i * step)] for i in range(int(len(mono) / step))))
    channels = 2 if layout == "stereo" else 1
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        for start in range(0, len(mono), 1024):
            chunk = mono[start : start + 1024]
            if channels == 2:
                pairs = array.array("h", (v for v in chunk for _ in range(2)))
            else:
                pairs = chunk
            frame = av.AudioFrame(format="s16", layout=layout, samples=len(chunk))
            frame.planes[0].update(pairs.tobytes())
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


# 1. Conversion -------------------------------------------------------------------------------


def measure_conversion(rounds: int) -> dict:
    from forum import media

    minute = speech(60.0, RATE)
    results = {}
    for label, spec in FORMATS.items():
        source = encode(minute, *spec)
        times, voice = [], None
        for _ in range(rounds):
            started = time.perf_counter()
            voice = media.convert_voice(io.BytesIO(source))
            times.append(time.perf_counter() - started)
        per_minute = voice.size / voice.duration * 60
        results[label] = {
            "input_bytes": len(source),
            "seconds": statistics.median(times),
            "seconds_per_minute": statistics.median(times) / voice.duration * 60,
            "output_bytes": voice.size,
            "duration": voice.duration,
            "bytes_per_minute": per_minute,
            "bitrate": voice.size * 8 / voice.duration,
        }
    return results


# 2. A thread of ten voice notes -----------------------------------------------------------------


def build_thread():
    from forum import limits, services
    from forum.models import Community, Membership, User

    community = Community.objects.create(
        name="Droits fonciers des femmes", slug="droits-fonciers", visibility="public"
    )
    people = []
    for index, name in enumerate(["Awa Traoré", "Mariam Keïta", "Fatoumata Diarra"]):
        user = User.objects.create_user(username=f"user{index}", display_name=name)
        Membership.objects.create(user=user, community=community, role="member")
        people.append(user)
    rng = random.Random(7)
    with limits.suspended():
        thread = services.create_thread(
            author=people[0],
            community=community,
            title="Réunion de Ségou : vos messages vocaux",
            body="Racontez-nous la réunion de samedi, par écrit ou de vive voix.",
        )
        audio_seconds = 0.0
        for index in range(VOICE_NOTES):
            seconds = rng.uniform(20, 120)
            audio_seconds += seconds
            source = encode(
                speech(seconds, RATE, seed=index), *FORMATS["WebM/Opus (Chrome, Android)"]
            )
            services.create_post(
                author=people[index % 3],
                thread=thread,
                parent=None,
                body="",
                voice=SimpleUploadedFile("note.webm", source),
            )
    return thread, people[1], audio_seconds


def measure_thread() -> dict:
    from forum.models import PostFile

    thread, reader, audio_seconds = build_thread()
    client = Client()
    client.force_login(reader)
    url = thread.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    html = response.content
    visit = first_visit(client, url, html)
    text = html.decode()
    players = text.count('preload="none"')
    notes = PostFile.objects.filter(post__thread=thread)
    return {
        "html_bytes": len(html),
        "html_gzip_bytes": gzip_size(html),
        "first_visit": visit,
        "players": players,
        "audio_bytes_if_all_played": sum(n.size for n in notes),
        "audio_seconds": audio_seconds,
        "audio_fetched_before_play": 0 if players == VOICE_NOTES else None,
    }


# Report ---------------------------------------------------------------------------------------


def run(rounds: int) -> dict:
    results = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "pyav": av.__version__,
            "ffmpeg": ".".join(str(part) for part in av.library_versions["libavcodec"]),
            "load_average": round(os.getloadavg()[0], 2),
        },
        "conversion": measure_conversion(rounds),
        "rounds": rounds,
    }
    with bench_database():
        results["thread"] = measure_thread()
    worst = max(row["bytes_per_minute"] for row in results["conversion"].values()) / KB
    visit = results["thread"]["first_visit"]["total_gzip_bytes"] / KB
    results["targets"] = {
        "kb_per_minute": {"target": TARGET_KB_PER_MINUTE, "value": worst,
                          "met": worst <= TARGET_KB_PER_MINUTE},
        "first_visit_kb": {"target": TARGET_FIRST_VISIT_KB, "value": visit,
                           "met": visit <= TARGET_FIRST_VISIT_KB
                           and results["thread"]["audio_fetched_before_play"] == 0},
    }  # fmt: skip
    return results


def met(flag: bool) -> str:
    return "met" if flag else "MISSED"


def markdown_section(r: dict) -> str:
    m, t, thread = r["machine"], r["targets"], r["thread"]
    visit = thread["first_visit"]
    lines = [
        "## Voice notes",
        "",
        f"Measured {r['date']} on {m['cpus']} CPUs ({m['platform']}), Python {m['python']}, "
        f"PyAV {m['pyav']} (libavcodec {m['ffmpeg']}), load average {m['load_average']} at the "
        f"start. Reproduce with `{COMMAND}` (`make bench-voice`).",
        "",
        "A minute of synthetic speech (voiced syllables with a moving pitch, harmonics, breath "
        "noise and pauses), encoded as phones send it, then converted by "
        f"`forum.media.convert_voice` to Ogg/Opus mono (median of {r['rounds']} runs):",
        "",
        "| Input | Input size | Conversion time per minute of audio | Opus per minute | Bit rate |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, row in r["conversion"].items():
        lines.append(
            f"| {label} | {row['input_bytes'] / KB:.0f} KB | {row['seconds_per_minute']:.2f} s "
            f"| {row['bytes_per_minute'] / KB:.0f} KB | {row['bitrate'] / 1000:.1f} kb/s |"
        )
    lines += [
        "",
        f"- Bytes per minute of voice: **{t['kb_per_minute']['value']:.0f} KB** at most "
        f"(1 KB = 1000 bytes, the stricter reading; target ≤ {TARGET_KB_PER_MINUTE:.0f} "
        f"KB/min): {met(t['kb_per_minute']['met'])}.",
        "",
        f"A thread with {VOICE_NOTES} voice replies ({thread['audio_seconds'] / 60:.1f} minutes of "
        "audio), first visit as a signed-in member, gzip-compressed (1 KB = 1000 bytes):",
        "",
        "| What | Bytes (gzip) |",
        "|---|---:|",
        f"| HTML ({thread['html_bytes'] / KB:.1f} KB raw) "
        f"| {visit['html_gzip_bytes'] / KB:.1f} KB |",
    ]
    for asset in visit["assets"]:
        lines.append(f"| `{asset['url']}` | {asset['gzip_bytes'] / KB:.1f} KB |")
    lines += [
        f'| Audio before any play ({thread["players"]} players, `preload="none"`) | 0 |',
        f"| **Total** | **{visit['total_gzip_bytes'] / KB:.1f} KB** |",
        "",
        f"- First visit: **{t['first_visit_kb']['value']:.1f} KB** (target ≤ "
        f"{TARGET_FIRST_VISIT_KB:.0f} KB): {met(t['first_visit_kb']['met'])}. Playing all ten "
        f"notes would fetch {thread['audio_bytes_if_all_played'] / KB:.0f} KB more, each only "
        "when its play button is pressed (and by ranges: a seek or a dropped download does "
        "not start again).",
        "- Every script of the page is counted, `static/js/voice.js` (the recorder and the "
        "1×/1.5×/2× player) and `static/js/outbox.js` (the offline outbox) included, and the "
        "icon sprite.",
    ]
    return "\n".join(lines)


def print_report(r: dict) -> None:
    print(markdown_section(r))


def write_docs(r: dict) -> None:
    replace_section(START, END, markdown_section(r))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="conversions of each input")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()
    results = run(max(1, args.rounds))
    print_report(results)
    if not args.no_docs:
        write_docs(results)
        print(f"\nUpdated {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
