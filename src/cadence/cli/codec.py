"""``cadence codec-server``: let the Temporal Web UI and CLI show encrypted payloads."""

from __future__ import annotations

import ipaddress
import threading

import click

from cadence.cli.main import CadenceCLIError


@click.command("codec-server")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Bind address. Anyone who can reach it can decrypt lead data: keep it on loopback.")
@click.option("--port", type=click.IntRange(1, 65535), default=8081, show_default=True, help="Port.")
@click.option("--ui-origin", "ui_origins", multiple=True, metavar="URL",
              help="Web UI origin allowed by CORS; repeat for several "
                   "(default: http://127.0.0.1:8233 and http://localhost:8233).")
@click.option("--namespace", default=None, help="Serve only this namespace (X-Namespace header).")
@click.option("--quiet", is_flag=True, help="Do not log each request.")
def codec_server(host: str, port: int, ui_origins: tuple[str, ...], namespace: str | None, quiet: bool) -> None:
    """Serve /encode and /decode for the Temporal Web UI and CLI until Ctrl-C.

    Uses the keys in CADENCE_CODEC_KEYS (the same as the workers). Point the
    UI at it when starting the server, or in the UI's codec settings:

    \b
    Examples:
      export CADENCE_CODEC_KEYS="k1:$(openssl rand -base64 32)"
      cadence codec-server
      temporal server start-dev --ui-codec-endpoint http://127.0.0.1:8081
      temporal workflow show -w lead-L-1 --codec-endpoint http://127.0.0.1:8081
    """
    from cadence.codec import EncryptionCodec, keys_from_env
    from cadence.codec_server import DEFAULT_UI_ORIGINS, CodecServerOptions, make_codec_server

    keys = keys_from_env()  # an unusable key is a refusal: `error: <why>`
    if keys is None:
        raise CadenceCLIError("CADENCE_CODEC_KEYS is not set; the codec server needs the workers' keys "
                              "(see docs/security.md)")
    options = CodecServerOptions(host=host, port=port, ui_origins=ui_origins or DEFAULT_UI_ORIGINS,
                                 namespace=namespace, quiet=quiet)
    try:
        server = make_codec_server(EncryptionCodec(keys), options)
    except OSError as exc:
        raise CadenceCLIError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    if not _is_loopback(host):
        click.echo(f"warning: listening on {host}: anyone who can reach it can decrypt lead data", err=True)
    click.echo(f"codec server  http://{host}:{port}  (encrypts with key {keys.primary}; decrypts {', '.join(keys.ids)})")
    click.echo(f"UI origins    {', '.join(options.ui_origins)}")
    click.echo("Ctrl-C to stop.")
    thread = threading.Thread(target=server.serve_forever, name="codec-server", daemon=True)
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        click.echo("stopping ...")
    finally:
        server.shutdown()
        server.server_close()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


__all__ = ["codec_server"]
