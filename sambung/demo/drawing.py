"""Photos for the demo, drawn with Pillow: ikat-like bands and lozenges, coffee bags. Nothing is downloaded."""

import io
import random

from PIL import Image, ImageDraw, ImageFilter

PALETTES = {
    # background, motif, accent: indigo (tarum), morinda red-brown (mengkudu), near-black, turmeric yellow
    "indigo": ((30, 40, 72), (214, 190, 150), (140, 47, 27)),
    "morinda": ((110, 38, 28), (226, 200, 160), (34, 44, 70)),
    "black": ((30, 26, 24), (200, 170, 120), (150, 60, 35)),
    "turmeric": ((70, 48, 30), (220, 170, 60), (120, 30, 25)),
    "synthetic": ((20, 60, 120), (240, 220, 80), (200, 30, 60)),
}


def draw_ikat(seed: int, palette: str, size: tuple[int, int]) -> bytes:
    """Return a JPEG of an ikat-like cloth, different for every seed."""
    rng = random.Random(seed)
    base, light, accent = PALETTES[palette]
    width, height = size
    image = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(image)
    bands = rng.choice([5, 6, 7, 8])
    band = height // bands
    shape = rng.choice(["lozenge", "hook", "stripe"])
    for i in range(bands):
        top = i * band
        if i % 2 == 0:
            draw.rectangle([0, top, width, top + band // 7], fill=accent)
        unit = max(8, band // 2)
        offset = unit if i % 2 else 0
        for x in range(-unit, width + unit, unit * 2):
            cx, cy = x + offset, top + band // 2
            if shape == "stripe":
                draw.rectangle([cx - unit // 2, cy - unit // 4, cx + unit // 2, cy + unit // 4], fill=light)
                continue
            outer = [(cx, cy - unit * 0.8), (cx + unit, cy), (cx, cy + unit * 0.8), (cx - unit, cy)]
            draw.polygon(outer, outline=light, width=max(2, unit // 8))
            inner = [(cx, cy - unit / 3), (cx + unit / 2.5, cy), (cx, cy + unit / 3), (cx - unit / 2.5, cy)]
            draw.polygon(inner, fill=light if shape == "lozenge" else accent)
            if shape == "hook":
                draw.line(
                    [(cx - unit, cy), (cx - unit // 2, cy - unit // 2)], fill=light, width=max(2, unit // 10)
                )
    # Ikat's feathered edges: the dye bleeds where the threads were tied.
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    noise = Image.effect_noise(size, 20).convert("RGB")
    image = Image.blend(image, noise, 0.06)
    return _jpeg(image)


def draw_coffee(seed: int, size: tuple[int, int]) -> bytes:
    """Return a JPEG of a kraft coffee bag on a wooden table."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, (92, 62, 40))
    draw = ImageDraw.Draw(image)
    for y in range(0, height, max(4, height // 40)):
        shade = rng.randint(-12, 12)
        draw.line([(0, y), (width, y)], fill=(92 + shade, 62 + shade, 40 + shade), width=2)
    bag = [width * 0.3, height * 0.15, width * 0.7, height * 0.9]
    draw.rectangle(bag, fill=(196, 160, 112), outline=(120, 90, 60), width=4)
    draw.rectangle([width * 0.36, height * 0.4, width * 0.64, height * 0.62], fill=(245, 238, 220))
    for _ in range(60):
        x, y = rng.uniform(0.05, 0.25) * width, rng.uniform(0.6, 0.95) * height
        r = width / 90
        draw.ellipse([x - r, y - r * 0.7, x + r, y + r * 0.7], fill=(60, 35, 20))
    image = image.filter(ImageFilter.GaussianBlur(0.8))
    return _jpeg(image)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
