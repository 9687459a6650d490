"""Hostile CSV files, streamed to disk piece by piece."""

HEADER = "reference,record_type,reported_at,offence_group,summary"
GOOD_ROW = "ESX-1,incident,2014-03-01,,"


# --- CSV -------------------------------------------------------------------------------------


def _stream_text(path, pieces):
    with open(path, "wb") as handle:
        for piece in pieces:
            handle.write(piece)
    return path


def gigantic_line(path):
    return _stream_text(path, [HEADER.encode() + b"\n", *(b"a," * (1 << 19) for _ in range(40))])


def nul_bytes(path):
    return _stream_text(path, [b"\x00" * (1 << 20) for _ in range(10)])


def absurd_columns(path):
    return _stream_text(path, [f"{HEADER}\n{GOOD_ROW}\n".encode(), b"," * 1_000_000, b"\n"])


def field_of_megabytes(path):
    return _stream_text(path, [f"{HEADER}\nESX-1,incident,2014-03-01,,".encode(), b"x" * (2 << 20)])


def byte_order_mark_inside(path):
    text = f"{HEADER}\n{GOOD_ROW}\n".encode()
    return _stream_text(path, [b"\xef\xbb\xbf" + text, b"\xef\xbb\xbf" + text])


def overlong_utf8(path):
    return _stream_text(path, [f"{HEADER}\n".encode(), b"ESX-\xc0\xaf1,incident,2014-03-01,,\n"])


def surrogate_utf8(path):
    return _stream_text(
        path, [f"{HEADER}\n".encode(), b"ESX-\xed\xa0\x801,incident,2014-03-01,,\n"]
    )


def millions_of_blank_lines(path):
    return _stream_text(path, [f"{HEADER}\n{GOOD_ROW}\n".encode(), b"\n" * 1_100_000])


def quote_never_closed(path):
    return _stream_text(
        path, [f'{HEADER}\nESX-1,incident,2014-03-01,,"'.encode(), b"line\n" * 400_000]
    )
