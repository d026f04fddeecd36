"""Sound devices: what is there, whether a microphone exists, and errors a user can act on."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import ModuleType

from twitch_coach.voice.hints import NO_HINTS, Hints

_LOGGER = logging.getLogger(__name__)

NO_MICROPHONE = "no microphone found: plug one in"
NO_SPEAKER = "no speaker found: plug one in, or pass an output WAV path to hear the answers later"
NO_PORTAUDIO = "the PortAudio library is missing: install it with `apt-get install libportaudio2`"


class AudioDeviceError(Exception):
    """A microphone or speaker could not be found or opened; the message says what to do."""


@dataclass(frozen=True)
class AudioDevice:
    """One PortAudio device, as the device list shows it."""

    index: int
    """PortAudio device number, what `--input-device` / `--output-device` take."""
    name: str
    """Name the host API gives the device ("pulse", "default", "USB Audio: ...")."""
    host_api: str
    """Host API the device belongs to ("ALSA", "Core Audio", "Windows WASAPI", ...)."""
    input_channels: int
    """Most channels it can record; 0 for an output-only device."""
    output_channels: int
    """Most channels it can play; 0 for an input-only device."""
    default_rate: int
    """Sample rate the device prefers, in samples per second."""
    is_default_input: bool = False
    """True for the device used when no input device is named."""
    is_default_output: bool = False
    """True for the device used when no output device is named."""

    def describe(self) -> str:
        """One line for the device list: index, flags, name, channels and rate."""
        flags = ("<" if self.is_default_input else " ") + (">" if self.is_default_output else " ")
        return (
            f"{flags} {self.index:3d} {self.name} ({self.host_api}; "
            f"{self.input_channels} in, {self.output_channels} out; {self.default_rate} Hz)"
        )


def import_sounddevice() -> ModuleType:
    """The sounddevice module, or AudioDeviceError naming the package to install."""
    try:
        import sounddevice
    except OSError as exc:  # sounddevice raises OSError when libportaudio cannot be loaded
        raise AudioDeviceError(NO_PORTAUDIO) from exc
    except ImportError as exc:
        raise AudioDeviceError("the sounddevice package is missing: pip install sounddevice") from exc
    return sounddevice


def list_devices() -> list[AudioDevice]:
    """Every input and output device PortAudio sees, default ones flagged."""
    sd = import_sounddevice()
    try:
        raw = sd.query_devices()
        apis = sd.query_hostapis()
        default_in, default_out = sd.default.device
    except sd.PortAudioError as exc:
        raise AudioDeviceError(f"could not list sound devices: {exc}") from exc
    devices = []
    for info in raw:
        devices.append(
            AudioDevice(
                index=int(info["index"]),
                name=str(info["name"]),
                host_api=str(apis[info["hostapi"]]["name"]),
                input_channels=int(info["max_input_channels"]),
                output_channels=int(info["max_output_channels"]),
                default_rate=int(info["default_samplerate"]),
                is_default_input=info["index"] == default_in,
                is_default_output=info["index"] == default_out,
            )
        )
    return devices


def no_microphone(hints: Hints = NO_HINTS) -> str:
    """Why a microphone cannot be had, and what to do instead when the caller says."""
    return NO_MICROPHONE + (f", or {hints.type_instead}" if hints.type_instead else "")


def format_devices(devices: list[AudioDevice], hints: Hints = NO_HINTS) -> str:
    """The device list as text, with a legend, or what to do when there are none (in the caller's `hints`)."""
    if not devices:
        again = f" and {hints.list_devices} again" if hints.list_devices else ""
        meanwhile = f"; meanwhile {hints.typing}" if hints.typing else ""
        plug = "No sound devices found: no microphone and no speaker. Plug one in (or start the sound server)"
        return f"{plug}{again}{meanwhile}."
    lines = ["< default input, > default output"]
    lines += [device.describe() for device in devices]
    if not any(d.input_channels > 0 for d in devices):
        lines.append("No microphone found: talking needs one" + (f"; {hints.typing}." if hints.typing else "."))
    if not any(d.output_channels > 0 for d in devices):
        lines.append("No speaker found: what the coach says is shown as text.")
    return "\n".join(lines)


def default_input_available() -> bool:
    """True when PortAudio has a default input device, i.e. a microphone can be opened by default."""
    try:
        return find_device(None, "input") is not None
    except AudioDeviceError:
        return False


def find_device(device: int | str | None, kind: str, hints: Hints = NO_HINTS) -> AudioDevice:
    """The device to use for `kind` ("input" or "output"): by index, by name part, or the default."""
    devices = list_devices()
    usable = [d for d in devices if (d.input_channels if kind == "input" else d.output_channels) > 0]
    missing = no_microphone(hints) if kind == "input" else NO_SPEAKER
    if device is None:
        for d in usable:
            if d.is_default_input if kind == "input" else d.is_default_output:
                return d
        raise AudioDeviceError(missing)
    for d in usable:
        if d.index == device or (isinstance(device, str) and device.lower() in d.name.lower()):
            return d
    names = ", ".join(f"{d.index} {d.name}" for d in usable) or "none"
    raise AudioDeviceError(f"{kind} device {device!r} not found; available: {names}")
