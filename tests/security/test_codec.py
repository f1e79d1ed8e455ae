"""The payload codec: round trip, key rotation, tampering, unknown keys, bad key configuration."""

from __future__ import annotations

import dataclasses

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from cadence.codec import (
    ENCODING,
    KEY_ID_METADATA,
    CodecError,
    CodecKeyError,
    EncryptionCodec,
    KeyRing,
    data_converter_from_env,
    new_key,
    parse_keys,
)

from .conftest import KEY_1, KEY_2, b64

LEAD = {"first_name": "Zelda", "email": "zelda@privatebuyer.example", "phone": "+1 415 555 0199"}


async def encode_lead(codec: EncryptionCodec) -> list[Payload]:
    plain = await DataConverter.default.encode([LEAD, "Privatebuyer Holdings"])
    return await codec.encode(plain)


async def test_round_trip_restores_every_payload_byte_for_byte(codec: EncryptionCodec) -> None:
    plain = await DataConverter.default.encode([LEAD, "Privatebuyer Holdings", None, 42, b"\x00\xff"])
    sealed = await codec.encode(plain)
    assert [p.metadata["encoding"] for p in sealed] == [ENCODING] * 5
    assert {p.metadata[KEY_ID_METADATA] for p in sealed} == {b"k2"}
    for p in sealed:
        assert b"Zelda" not in p.SerializeToString() and b"json/plain" not in p.SerializeToString()
    assert await codec.decode(sealed) == plain
    assert await DataConverter.default.decode(await codec.decode(sealed), [dict, str, type(None), int, bytes]) == [
        LEAD, "Privatebuyer Holdings", None, 42, b"\x00\xff"]


async def test_equal_payloads_encrypt_differently(codec: EncryptionCodec) -> None:
    a, b = await encode_lead(codec), await encode_lead(codec)
    assert a[0].data != b[0].data  # a fresh nonce per payload: equal leads are not linkable by ciphertext


async def test_rotation_new_key_encrypts_old_key_still_decrypts() -> None:
    old = EncryptionCodec(KeyRing((("k1", KEY_1),)))
    rotated = EncryptionCodec(parse_keys(f"k2:{b64(KEY_2)},k1:{b64(KEY_1)}"))
    written_before = await encode_lead(old)
    written_after = await encode_lead(rotated)
    assert {p.metadata[KEY_ID_METADATA] for p in written_before} == {b"k1"}
    assert {p.metadata[KEY_ID_METADATA] for p in written_after} == {b"k2"}
    assert await rotated.decode(written_before) == await rotated.decode(written_after)
    with pytest.raises(CodecError, match=r"key 'k2', which is not in CADENCE_CODEC_KEYS \(known: k1\)"):
        await old.decode(written_after)


async def test_unencrypted_payloads_pass_through_decode(codec: EncryptionCodec) -> None:
    # Histories written before encryption was turned on stay readable.
    plain = await DataConverter.default.encode([LEAD])
    assert await codec.decode(plain) == plain


@pytest.mark.parametrize("where", ["nonce", "ciphertext", "tag"])
async def test_a_flipped_byte_is_detected(codec: EncryptionCodec, where: str) -> None:
    [sealed] = await codec.encode(await DataConverter.default.encode([LEAD]))
    data = bytearray(sealed.data)
    index = {"nonce": 0, "ciphertext": 20, "tag": len(data) - 1}[where]
    data[index] ^= 0x01
    tampered = Payload(metadata=dict(sealed.metadata), data=bytes(data))
    with pytest.raises(CodecError, match=r"key 'k2'\) failed authentication: it was altered"):
        await codec.decode([tampered])


async def test_swapping_the_key_id_or_truncating_is_detected(codec: EncryptionCodec) -> None:
    [sealed] = await codec.encode(await DataConverter.default.encode([LEAD]))
    relabelled = Payload(metadata={**sealed.metadata, KEY_ID_METADATA: b"k1"}, data=sealed.data)
    with pytest.raises(CodecError, match="failed authentication"):
        await codec.decode([relabelled])
    with pytest.raises(CodecError, match="truncated: 10 bytes"):
        await codec.decode([Payload(metadata=dict(sealed.metadata), data=sealed.data[:10])])
    with pytest.raises(CodecError, match="failed authentication"):
        await codec.decode([Payload(metadata=dict(sealed.metadata), data=sealed.data[:-1])])


async def test_unknown_key_id_names_the_key_and_the_fix(codec: EncryptionCodec) -> None:
    [sealed] = await codec.encode(await DataConverter.default.encode([LEAD]))
    foreign = Payload(metadata={**sealed.metadata, KEY_ID_METADATA: b"k0"}, data=sealed.data)
    with pytest.raises(CodecError) as err:
        await codec.decode([foreign])
    assert str(err.value) == ("payload encrypted with key 'k0', which is not in CADENCE_CODEC_KEYS (known: k2, k1); "
                              "add the old key after the new one to read it")
    missing = Payload(metadata={"encoding": ENCODING}, data=sealed.data)
    with pytest.raises(CodecError, match="key '', which is not in"):
        await codec.decode([missing])


@pytest.mark.parametrize(("text", "message"), [
    ("", "CADENCE_CODEC_KEYS is empty; expected id:base64key[,id:base64key...]"),
    ("  ,  ", "CADENCE_CODEC_KEYS is empty; expected id:base64key[,id:base64key...]"),
    ("k1", "CADENCE_CODEC_KEYS: entry 1 must be id:base64key"),
    (f"k1:{b64(KEY_1)},", "CADENCE_CODEC_KEYS: entry 2 is empty (stray comma?)"),
    (":" + b64(KEY_1), "CADENCE_CODEC_KEYS: entry 1 must be id:base64key"),
    ("k1:not base64!", "CADENCE_CODEC_KEYS: key 'k1' (entry 1) is not valid base64"),
    ("k1:" + b64(b"short"), "CADENCE_CODEC_KEYS: key 'k1' is 5 bytes; AES-GCM needs 16, 24 or 32 (use 32)"),
    (f"k1:{b64(KEY_1)},k1:{b64(KEY_2)}", "CADENCE_CODEC_KEYS: key id 'k1' is listed twice"),
    (f"bad id:{b64(KEY_1)}", "CADENCE_CODEC_KEYS: key id 'bad id' must be 1-64 letters, digits or . _ -"),
])
def test_bad_keys_are_refused_with_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(CodecKeyError) as err:
        parse_keys(text)
    assert str(err.value) == message
    assert b64(KEY_1) not in str(err.value)  # never echo key material


def test_keys_parse_in_standard_and_url_safe_base64_with_or_without_padding() -> None:
    key = bytes([251, 255, 190] * 10 + [1, 2])  # encodes with '+' and '/'
    std = b64(key)
    url = std.replace("+", "-").replace("/", "_").rstrip("=")
    assert parse_keys(f" a:{std} , b:{url} ").keys == (("a", key), ("b", key))
    assert len(parse_keys(f"fresh:{new_key()}").keys[0][1]) == 32


def test_key_material_never_appears_in_reprs(ring: KeyRing, codec: EncryptionCodec) -> None:
    for text in (repr(ring), repr(codec), str(ring)):
        assert "k2" in text and repr(KEY_2) not in text and b64(KEY_2) not in text


def test_data_converter_from_env() -> None:
    assert data_converter_from_env({}) is None
    assert data_converter_from_env({"CADENCE_CODEC_KEYS": "  "}) is None
    converter = data_converter_from_env({"CADENCE_CODEC_KEYS": f"k2:{b64(KEY_2)},k1:{b64(KEY_1)}"})
    assert converter is not None
    assert isinstance(converter.payload_codec, EncryptionCodec)
    assert converter.payload_codec.keys.ids == ("k2", "k1")
    # Failure messages can quote lead data; they are encoded too.
    assert converter.failure_converter_class is DefaultFailureConverterWithEncodedAttributes
    assert dataclasses.replace(converter).payload_converter_class is DataConverter.default.payload_converter_class
    with pytest.raises(CodecKeyError, match="entry 1 must be id:base64key"):
        data_converter_from_env({"CADENCE_CODEC_KEYS": "oops"})


async def test_failures_are_encrypted_with_their_message() -> None:
    from temporalio.api.failure.v1 import Failure
    from temporalio.exceptions import ApplicationError

    converter = data_converter_from_env({"CADENCE_CODEC_KEYS": f"k1:{b64(KEY_1)}"})
    assert converter is not None
    failure = Failure()
    await converter.encode_failure(ApplicationError("invalid lead data: email 'zelda@privatebuyer.example'"), failure)
    assert b"zelda" not in failure.SerializeToString()
    assert failure.message == "Encoded failure"
    back = await converter.decode_failure(failure)
    assert "zelda@privatebuyer.example" in str(back)
