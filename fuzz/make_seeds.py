#!/usr/bin/env python3
"""Regenerates the seed corpus (fuzz/corpus/<target>/): small valid inputs of every kind
each parser reads, so fuzzing starts from the formats' real shapes. Uses the standard
library and the `zstd` command; run from anywhere: python3 fuzz/make_seeds.py"""
import json
import os
import shutil
import struct
import subprocess
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def target_dir(name):
    path = os.path.join(HERE, "corpus", name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def write(directory, name, data):
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def gzip(data):
    c = zlib.compressobj(5, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def zstd(data):
    return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, check=True,
                          capture_output=True).stdout


def blosc_memcpy(data, typesize):
    """A blosc 1 frame holding `data` uncompressed (flags: memcpyed, byte shuffle)."""
    header = struct.pack("<BBBBIII", 2, 1, 0x03, typesize, len(data), len(data),
                         len(data) + 16)
    return header + data


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def vlen(items):
    out = struct.pack("<I", len(items))
    for s in items:
        b = s.encode()
        out += struct.pack("<I", len(b)) + b
    return out


F8 = struct.pack("<4d", 1.5, -2.0, 3.25, 0.0)
I4 = struct.pack("<4i", 1, -2, 3, 4)


def zarr_v2():
    d = target_dir("fuzz_zarr_v2")
    base = {"zarr_format": 2, "shape": [4], "chunks": [4], "dtype": "<f8", "fill_value": 0,
            "compressor": None, "filters": None, "order": "C", "dimension_separator": "."}
    cases = {
        "raw_f8": ({}, F8),
        "big_endian": ({"dtype": ">f8"}, struct.pack(">4d", 1.5, -2.0, 3.25, 0.0)),
        "gzip": ({"compressor": {"id": "gzip", "level": 5}}, gzip(F8)),
        "zstd": ({"compressor": {"id": "zstd", "level": 3}}, zstd(F8)),
        "blosc": ({"compressor": {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1,
                                  "blocksize": 0}}, blosc_memcpy(F8, 8)),
        "fortran_2d": ({"shape": [2, 2], "chunks": [2, 2], "order": "F", "dtype": "<i4",
                        "fill_value": -1}, I4),
        "edge_chunks": ({"shape": [5, 3], "chunks": [2, 2], "dtype": "<i4", "fill_value": None,
                         "dimension_separator": "/"}, I4),
        "unicode": ({"dtype": "<U2", "fill_value": None},
                    "".join(c + "\0" * 3 for c in "abcdxyzw").encode()),
        "vlen": ({"dtype": "|O", "fill_value": None, "filters": [{"id": "vlen-utf8"}]},
                 vlen(["a", "bc", "", "def"])),
        "nan_fill": ({"fill_value": "NaN"}, F8),
        "datetime": ({"dtype": "<M8[ns]"}, struct.pack("<4q", 0, 1, 2, 3)),
    }
    for name, (over, chunk) in cases.items():
        write(d, name, json.dumps({**base, **over}).encode() + b"\0" + chunk)


def v3_meta(**over):
    meta = {"zarr_format": 3, "node_type": "array", "shape": [4], "data_type": "float64",
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4]}},
            "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
            "fill_value": 0, "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
            "attributes": {}, "dimension_names": ["x"]}
    meta.update(over)
    return meta


BYTES = {"name": "bytes", "configuration": {"endian": "little"}}


def shard(inner_chunks, index_at_start, crc=True):
    """A shard of the given encoded inner chunks (None: empty) with its index."""
    index_bytes = 16 * len(inner_chunks) + (4 if crc else 0)
    body, index = b"", b""
    for c in inner_chunks:
        if c is None:
            index += struct.pack("<QQ", 2**64 - 1, 2**64 - 1)
            continue
        index += struct.pack("<QQ", len(body) + (index_bytes if index_at_start else 0), len(c))
        body += c
    if crc:
        index += struct.pack("<I", crc32c(index))
    return index + body if index_at_start else body + index


def zarr_v3():
    d = target_dir("fuzz_zarr_v3")
    cases = {
        "raw": (v3_meta(), F8),
        "big_endian": (v3_meta(codecs=[{"name": "bytes", "configuration": {"endian": "big"}}]),
                       struct.pack(">4d", 1.5, -2.0, 3.25, 0.0)),
        "gzip_crc": (v3_meta(codecs=[BYTES, {"name": "gzip", "configuration": {"level": 5}},
                                     {"name": "crc32c"}]),
                     gzip(F8) + struct.pack("<I", crc32c(gzip(F8)))),
        "zstd": (v3_meta(codecs=[BYTES, {"name": "zstd", "configuration": {"level": 3,
                                                                        "checksum": False}}]),
                 zstd(F8)),
        "blosc": (v3_meta(codecs=[BYTES, {"name": "blosc", "configuration": {
            "cname": "lz4", "clevel": 5, "shuffle": "shuffle", "typesize": 8,
            "blocksize": 0}}]), blosc_memcpy(F8, 8)),
        "transpose": (v3_meta(shape=[2, 2], data_type="int32",
                              chunk_grid={"name": "regular",
                                          "configuration": {"chunk_shape": [2, 2]}},
                              codecs=[{"name": "transpose", "configuration": {"order": [1, 0]}},
                                      BYTES], dimension_names=["y", "x"]), I4),
        "v2_keys": (v3_meta(chunk_key_encoding={"name": "v2",
                                                "configuration": {"separator": "."}}), F8),
        "strings": (v3_meta(data_type="string", fill_value="",
                            codecs=[{"name": "vlen-utf8", "configuration": {}}]),
                    vlen(["a", "bc", "", "def"])),
        "utf32": (v3_meta(data_type={"name": "fixed_length_utf32",
                                     "configuration": {"length_bytes": 8}}, fill_value=""),
                  "".join(c + "\0" * 3 for c in "abcdxyzw").encode()),
        "sharded": (v3_meta(codecs=[{"name": "sharding_indexed", "configuration": {
            "chunk_shape": [2], "codecs": [BYTES], "index_codecs": [BYTES, {"name": "crc32c"}],
            "index_location": "end"}}]), shard([F8[:16], F8[16:]], False)),
        "sharded_start_empty": (v3_meta(codecs=[{"name": "sharding_indexed", "configuration": {
            "chunk_shape": [2], "codecs": [BYTES, {"name": "gzip", "configuration": {"level": 1}}],
            "index_codecs": [BYTES], "index_location": "start"}}]),
            shard([gzip(F8[:16]), None], True, crc=False)),
        "nonfinite_fill": (v3_meta(fill_value="-Infinity", attributes={"a": [1, {"b": None}]}),
                           F8),
    }
    for name, (meta, chunk) in cases.items():
        write(d, name, json.dumps(meta).encode() + b"\0" + chunk)


def shard_index():
    d = target_dir("fuzz_shard_index")
    f4 = struct.pack("<16f", *range(16))
    inner = [f4[0:8] + f4[16:24], f4[8:16] + f4[24:32], f4[32:40] + f4[48:56],
             f4[40:48] + f4[56:64]]
    write(d, "end_crc_raw", bytes([2]) + shard(inner, False))
    write(d, "start_crc_raw", bytes([3]) + shard(inner, True))
    write(d, "end_plain_empty", bytes([0]) + shard([inner[0], None, None, inner[3]], False, False))
    write(d, "end_crc_zstd", bytes([2 | 4]) + shard([zstd(c) for c in inner], False))
    write(d, "start_crc_gzip", bytes([3 | 8]) + shard([gzip(c) for c in inner], True))
    strings = [vlen(["a", "b", "c", "d"])] * 4
    write(d, "end_crc_strings", bytes([2 | 16]) + shard(strings, False))


def msgpack_docs():
    docs = {
        "int": b"\x2a",
        "negative": b"\xd3\xff\xff\xff\xff\xff\xff\xff\x00",
        "float": b"\xcb" + struct.pack(">d", 1.5),
        "float32": b"\xca" + struct.pack(">f", -0.25),
        "str": b"\xa5hello",
        "str8_slash": b"\xd9\x05a/../",
        "bin": b"\xc4\x03\x00\x01\x02",
        "array": b"\x93\x01\xc3\xc0",
        "map": b"\x82\xa1a\x01\xa1b\x92\xa1x\xcb" + struct.pack(">d", float("nan")),
        "nested": b"\x91" * 20 + b"\xc2",
        "uint64": b"\xcf\x7f\xff\xff\xff\xff\xff\xff\xff",
        "array16": b"\xdc\x00\x03\x01\x02\x03",
        "map32": b"\xdf\x00\x00\x00\x01\xa1k\xa0",
        "unicode": "\xa6".encode("latin-1") + "\u00e9t\u00e9".encode(),
    }
    for target in ("fuzz_msgpack", "fuzz_key_render"):
        d = target_dir(target)
        for name, data in docs.items():
            write(d, name, data)


def manifests():
    d = target_dir("fuzz_manifest")
    entry = "01JD7ZQ3M4K9V8X2B6N5R1T0WY"
    m = {"format": 1, "entry_id": entry, "name": "agg", "key": "agg/days=7", "namespace": "_",
         "backend": "basic", "version": "0.1.0", "state": "confirmed",
         "payload": f"data/_/agg/days=7/basic-{entry}.msgpack", "bytes": 12,
         "checksum": "xxh3-128:" + "0" * 32, "args": {"days": 7},
         "created": "2026-01-02T03:04:05Z", "user": "u", "host": "h", "git_commit": None,
         "code": {"fingerprint": "abc"}, "inputs": [{"namespace": "_", "key": "first",
                                                    "backend": "basic", "entry_id": entry}],
         "engine_version": "0.1.0"}
    write(d, "confirmed", json.dumps(m))
    write(d, "null_entry", json.dumps({**m, "state": "null", "backend": "null",
                                       "payload": None, "bytes": 0, "checksum": None}))
    write(d, "inline", json.dumps({**m, "payload": None, "inline": "kqFhAQ=="}))
    write(d, "newer_format", json.dumps({**m, "format": 99}))
    write(d, "truncated", json.dumps(m)[:80])


if __name__ == "__main__":
    zarr_v2()
    zarr_v3()
    shard_index()
    msgpack_docs()
    manifests()
