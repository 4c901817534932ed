"""A small reader and writer for Netpbm images (PBM, PGM, PPM), in numpy.

TensorFlow decodes PNG, JPEG and BMP but not Netpbm, which is what several
classic face and digit sets ship as (e.g. the AT&T/ORL faces are PGM), so
`zoo.data` reads it here rather than pulling in an imaging library.

Supported: plain (ASCII) and raw (binary) bitmaps `P1`/`P4`, greymaps
`P2`/`P5` and pixmaps `P3`/`P6`, with any maxval from 1 to 65535. Only the
first image of a multi-image file is read.

    >>> data = encode_netpbm(np.zeros((2, 3, 1), np.uint8))
    >>> image, maxval = decode_netpbm(data)
    >>> image.shape, image.dtype, maxval
    ((2, 3, 1), dtype('uint8'), 255)
"""

import re

import numpy as np

_WHITESPACE = b" \t\n\v\f\r"
_DIGITS = b"0123456789"
_MAGICS = {
    b"P1": (1, True),
    b"P2": (1, True),
    b"P3": (3, True),
    b"P4": (1, False),
    b"P5": (1, False),
    b"P6": (3, False),
}


class NetpbmError(ValueError):
    """The bytes are not a well-formed Netpbm image."""


def is_netpbm(data):
    """Tells whether `data` starts like a Netpbm image this module reads.

    Args:
        data: The first bytes of a file (3 are enough).

    Returns:
        True for a `P1`..`P6` magic number followed by whitespace.

    Example:
        >>> is_netpbm(b"P5\\n2 2\\n255\\n...."), is_netpbm(b"\\x89PNG")
        (True, False)
    """
    head = bytes(data[:3])
    return len(head) == 3 and head[:2] in _MAGICS and (head[2] in _WHITESPACE or head[2] == ord("#"))


def _skip_space_and_comments(data, pos):
    # A comment runs from '#' to the end of its line and counts as whitespace.
    n = len(data)
    while pos < n:
        c = data[pos]
        if c in _WHITESPACE:
            pos += 1
        elif c == ord("#"):
            while pos < n and data[pos] not in b"\r\n":
                pos += 1
        else:
            break
    return pos


def _read_int(data, pos, what):
    pos = _skip_space_and_comments(data, pos)
    start = pos
    while pos < len(data) and data[pos] in _DIGITS:
        pos += 1
    if pos == start:
        raise NetpbmError(f"expected the {what} (a decimal number) at byte {start}")
    # Ten digits is already far past any sane image; refuse before int() of junk.
    if pos - start > 10:
        raise NetpbmError(f"the {what} at byte {start} is too large")
    return int(data[start:pos]), pos


def decode_netpbm(data):
    """Decodes the first image in Netpbm bytes.

    Args:
        data: The file's bytes (`bytes`, `bytearray` or `memoryview`).

    Returns:
        A tuple `(image, maxval)`: `image` is an `(H, W, C)` array, C being 1
        for PBM/PGM and 3 for PPM, of dtype uint8 when `maxval <= 255` and
        uint16 otherwise; sample values run from 0 (black) to `maxval`
        (white). Bitmaps come back as greymaps with `maxval == 1` (so 1 is
        white, unlike PBM's own convention where 1 is black).

    Raises:
        NetpbmError: (a `ValueError`) for a bad magic number, header, sample
            value above maxval, or a truncated raster.

    Example:
        >>> image, maxval = decode_netpbm(b"P2\\n2 1\\n15\\n0 15\\n")
        >>> image[..., 0].tolist(), maxval
        ([[0, 15]], 15)
    """
    data = bytes(data)
    magic = data[:2]
    if magic not in _MAGICS:
        raise NetpbmError(f"not a Netpbm image (magic number {magic!r}, expected one of P1..P6)")
    channels, plain = _MAGICS[magic]
    bitmap = magic in (b"P1", b"P4")

    width, pos = _read_int(data, 2, "width")
    height, pos = _read_int(data, pos, "height")
    if width < 1 or height < 1:
        raise NetpbmError(f"image size {width}x{height} is not positive")
    if bitmap:
        maxval = 1
    else:
        maxval, pos = _read_int(data, pos, "maxval")
        if not 1 <= maxval <= 65535:
            raise NetpbmError(f"maxval {maxval} is outside 1..65535")
    dtype = np.uint8 if maxval <= 255 else np.uint16
    count = width * height * channels

    if plain:
        samples = _plain_samples(data, pos, count, bitmap)
    else:
        # Exactly one whitespace byte separates the header from the raster;
        # the raster itself may begin with bytes that look like whitespace.
        if pos >= len(data) or data[pos] not in _WHITESPACE:
            raise NetpbmError("missing the whitespace byte that ends the header")
        pos += 1
        if bitmap:
            samples = _raw_bits(data, pos, width, height)
        else:
            itemsize = 1 if maxval <= 255 else 2
            need = count * itemsize
            if len(data) - pos < need:
                raise NetpbmError(f"raster is truncated: {len(data) - pos} of {need} bytes")
            samples = np.frombuffer(data, dtype=">u2" if itemsize == 2 else np.uint8, count=count, offset=pos)

    if bitmap:
        # PBM stores ink: 1 is black. Turn it into a greymap where 1 is white.
        samples = 1 - samples.astype(np.uint8)
    elif samples.size and int(samples.max()) > maxval:
        raise NetpbmError(f"a sample value {int(samples.max())} exceeds maxval {maxval}")
    return samples.astype(dtype).reshape(height, width, channels), maxval


def _plain_samples(data, pos, count, bitmap):
    # Comments are stripped from the raster too: some writers put them there.
    body = re.sub(rb"#[^\r\n]*", b" ", data[pos:])
    if bitmap:
        # Plain PBM digits need not be separated: "0110" is four pixels.
        digits = body.translate(None, _WHITESPACE)
        if len(digits) < count:
            raise NetpbmError(f"raster is truncated: {len(digits)} of {count} pixels")
        digits = digits[:count]
        if digits.translate(None, b"01"):
            raise NetpbmError("a plain PBM raster may only hold the digits 0 and 1")
        return np.frombuffer(digits, np.uint8) - ord("0")
    tokens = body.split(maxsplit=count)[:count]
    if len(tokens) < count:
        raise NetpbmError(f"raster is truncated: {len(tokens)} of {count} samples")
    if not all(t.isdigit() for t in tokens):
        raise NetpbmError("a plain raster may only hold decimal numbers")
    if any(len(t) > 6 for t in tokens):
        raise NetpbmError("a sample value exceeds 65535")
    return np.array([int(t) for t in tokens], dtype=np.uint32)


def _raw_bits(data, pos, width, height):
    row_bytes = (width + 7) // 8
    need = row_bytes * height
    if len(data) - pos < need:
        raise NetpbmError(f"raster is truncated: {len(data) - pos} of {need} bytes")
    rows = np.frombuffer(data, np.uint8, count=need, offset=pos).reshape(height, row_bytes)
    # Each row is padded to a whole byte; the padding bits are dropped.
    return np.unpackbits(rows, axis=1)[:, :width].reshape(-1)


def encode_netpbm(image, maxval=None, plain=False):
    """Encodes an image as PGM (1 channel) or PPM (3 channels).

    Args:
        image: An `(H, W)`, `(H, W, 1)` or `(H, W, 3)` array of integers in
            `0..maxval`.
        maxval: The white level, 1..65535. Defaults to 255 for uint8 input and
            65535 otherwise.
        plain: Write the ASCII form (`P2`/`P3`) instead of the binary one
            (`P5`/`P6`).

    Returns:
        The file's bytes.

    Example:
        >>> encode_netpbm(np.array([[0, 7]]), maxval=7, plain=True)
        b'P2\\n2 1\\n7\\n0 7\\n'
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[-1] not in (1, 3) or 0 in image.shape:
        raise ValueError(f"expected an (H, W), (H, W, 1) or (H, W, 3) image, got shape {image.shape}")
    if not np.issubdtype(image.dtype, np.integer):
        raise ValueError(f"expected integer samples, got dtype {image.dtype}")
    if maxval is None:
        maxval = 255 if image.dtype == np.uint8 else 65535
    if not 1 <= int(maxval) <= 65535:
        raise ValueError(f"maxval must be in 1..65535, got {maxval}")
    if image.min() < 0 or image.max() > maxval:
        raise ValueError(f"samples must lie in 0..{maxval}")
    height, width, channels = image.shape
    magic = {(1, True): "P2", (3, True): "P3", (1, False): "P5", (3, False): "P6"}[(channels, bool(plain))]
    header = f"{magic}\n{width} {height}\n{int(maxval)}\n".encode("ascii")
    if plain:
        rows = image.reshape(height, width * channels)
        return header + "".join(" ".join(map(str, row)) + "\n" for row in rows.tolist()).encode("ascii")
    raw = image.astype(np.uint8 if maxval <= 255 else ">u2")
    return header + raw.tobytes()
