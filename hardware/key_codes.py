"""Linux key codes of the keys button boxes send, by name (``KEY_1`` -> 2)."""

# include/uapi/linux/input-event-codes.h
KEY_CODES: dict[str, int] = {
    **{f"KEY_{n}": 2 + (n - 1) for n in range(1, 10)}, "KEY_0": 11,
    **{f"KEY_{c}": 16 + i for i, c in enumerate("QWERTYUIOP")},
    **{f"KEY_{c}": 30 + i for i, c in enumerate("ASDFGHJKL")},
    **{f"KEY_{c}": 44 + i for i, c in enumerate("ZXCVBNM")},
    "KEY_ENTER": 28, "KEY_SPACE": 57, **{f"KEY_F{n}": 58 + n for n in range(1, 11)}, "KEY_F11": 87, "KEY_F12": 88,
    "KEY_KP7": 71, "KEY_KP8": 72, "KEY_KP9": 73, "KEY_KP4": 75, "KEY_KP5": 76, "KEY_KP6": 77,
    "KEY_KP1": 79, "KEY_KP2": 80, "KEY_KP3": 81, "KEY_KP0": 82, "KEY_KPENTER": 96,
}
