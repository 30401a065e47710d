"""Screenshots of a running Odoo for the README, taken in headless Chromium.

Usage: screenshot.py BASE_URL DB LOGIN PASSWORD URL_PATH OUTPUT.png [WIDTH HEIGHT]
Logs in over JSON-RPC, hands the session cookie to Chromium through the DevTools
protocol, opens the page and saves a PNG once the web client reports it is ready.
"""

import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from urllib.parse import urlparse

import websocket

CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _session_id(base_url, db, login, password):
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    payload = json.dumps(
        {"jsonrpc": "2.0", "params": {"db": db, "login": login, "password": password}}
    ).encode()
    request = urllib.request.Request(
        f"{base_url}/web/session/authenticate",
        data=payload,
        headers={"Content-Type": "application/json"},
    )
    with opener.open(request, timeout=30) as response:
        answer = json.load(response)
    if answer.get("error"):
        raise SystemExit(f"login failed: {answer['error']['data']['message']}")
    return next(cookie.value for cookie in jar if cookie.name == "session_id")


class DevTools:
    def __init__(self, ws_url):
        self.socket = websocket.create_connection(ws_url, timeout=60)
        self.counter = 0

    def call(self, method, **params):
        self.counter += 1
        self.socket.send(json.dumps({"id": self.counter, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.counter:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result", {})


def main(argv):
    base_url, db, login, password, path, output = argv[:6]
    width, height = (int(argv[6]), int(argv[7])) if len(argv) > 7 else (1440, 900)
    session = _session_id(base_url, db, login, password)
    chrome = shutil.which("chromium") or shutil.which("google-chrome")
    profile = tempfile.mkdtemp(prefix="rebate-shot-")
    process = subprocess.Popen(
        [
            chrome,
            *CHROME_FLAGS,
            "--remote-debugging-port=9333",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _attempt in range(50):
            try:
                with urllib.request.urlopen("http://127.0.0.1:9333/json", timeout=2) as answer:
                    page = next(t for t in json.load(answer) if t["type"] == "page")
                break
            except (OSError, StopIteration):
                time.sleep(0.2)
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.call("Network.enable")
        tools.call(
            "Network.setCookie",
            name="session_id",
            value=session,
            domain=urlparse(base_url).hostname,
            path="/",
        )
        tools.call("Page.navigate", url=base_url + path)
        for _attempt in range(120):
            ready = tools.call(
                "Runtime.evaluate",
                expression="(window.odoo && odoo.isReady === true) || "
                "(document.readyState === 'complete' && !window.odoo?.loader)",
                returnByValue=True,
            )
            if ready.get("result", {}).get("value"):
                break
            time.sleep(0.25)
        time.sleep(2)
        shot = tools.call("Page.captureScreenshot", format="png")
        with open(output, "wb") as handle:
            handle.write(base64.b64decode(shot["data"]))
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
