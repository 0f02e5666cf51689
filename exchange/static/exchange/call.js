/*
 * The exchange's video call: a WebRTC peer connection between the two teachers' browsers, signaled through the
 * portal's socket (/ws/exchange/call/<session>/), one group per session.
 *
 * - Device test first: the camera and microphone preview and a microphone level, before joining.
 * - Who offers: the Osaka side, once it hears the other side's "hello" (a late joiner's hello is answered with a
 *   hello marked reply, so whichever joins first, the Osaka side offers exactly when both are there).
 * - ICE candidates that arrive before the remote description is set are queued, and added once it is.
 * - The page shows the connection state ([data-call-state]) and the bytes received ([data-bytes-in]).
 * No inline script: CSP is script-src 'self'.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-call]");
  if (!root) {
    return;
  }
  var config = JSON.parse(document.getElementById("call-config").textContent);
  var localVideo = root.querySelector("[data-local-video]");
  var remoteVideo = root.querySelector("[data-remote-video]");
  var stateText = root.querySelector("[data-call-state-text]");
  var joinButton = root.querySelector("[data-join]");
  var testButton = root.querySelector("[data-test-devices]");
  var level = root.querySelector("[data-mic-level]");
  var localStream = null;
  var pc = null;
  var socket = null;
  var queued = [];
  var offered = false;

  function setState(state, text) {
    root.setAttribute("data-call-state", state);
    if (stateText) {
      stateText.textContent = text || root.getAttribute("data-text-" + state) || state;
    }
  }

  function startDevices() {
    if (localStream) {
      return Promise.resolve(localStream);
    }
    return navigator.mediaDevices.getUserMedia({ video: true, audio: true }).then(function (stream) {
      localStream = stream;
      localVideo.srcObject = stream;
      meter(stream);
      root.setAttribute("data-devices", "ok");
      return stream;
    });
  }

  function meter(stream) {
    if (!level || !window.AudioContext) {
      return;
    }
    var context = new AudioContext();
    var analyser = context.createAnalyser();
    context.createMediaStreamSource(stream).connect(analyser);
    var data = new Uint8Array(analyser.fftSize);
    window.setInterval(function () {
      analyser.getByteTimeDomainData(data);
      var peak = 0;
      for (var i = 0; i < data.length; i++) {
        peak = Math.max(peak, Math.abs(data[i] - 128));
      }
      level.value = Math.min(100, Math.round((peak / 128) * 100));
    }, 250);
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(message));
    }
  }

  function flushCandidates() {
    var waiting = queued;
    queued = [];
    waiting.forEach(function (candidate) {
      pc.addIceCandidate(candidate).catch(function () {});
    });
  }

  function makePeer() {
    pc = new RTCPeerConnection({ iceServers: config.iceServers });
    localStream.getTracks().forEach(function (track) {
      pc.addTrack(track, localStream);
    });
    pc.addEventListener("icecandidate", function (event) {
      if (event.candidate) {
        send({ type: "candidate", candidate: event.candidate.toJSON() });
      }
    });
    pc.addEventListener("track", function (event) {
      if (remoteVideo.srcObject !== event.streams[0]) {
        remoteVideo.srcObject = event.streams[0];
      }
    });
    pc.addEventListener("connectionstatechange", function () {
      setState(pc.connectionState);
    });
    window.setInterval(function () {
      pc.getStats().then(function (stats) {
        var received = 0;
        stats.forEach(function (report) {
          if (report.type === "inbound-rtp") {
            received += report.bytesReceived || 0;
          }
        });
        root.setAttribute("data-bytes-in", String(received));
      });
    }, 1000);
  }

  function offer() {
    if (offered) {
      return;
    }
    offered = true;
    pc.createOffer()
      .then(function (description) {
        return pc.setLocalDescription(description);
      })
      .then(function () {
        send({ type: "offer", sdp: pc.localDescription.sdp });
      });
  }

  function onSignal(message) {
    if (message.type === "hello") {
      if (!message.reply) {
        send({ type: "hello", reply: true });
      }
      if (config.side === "school") {
        offer();
      }
    } else if (message.type === "offer") {
      pc.setRemoteDescription({ type: "offer", sdp: message.sdp })
        .then(function () {
          flushCandidates();
          return pc.createAnswer();
        })
        .then(function (description) {
          return pc.setLocalDescription(description);
        })
        .then(function () {
          send({ type: "answer", sdp: pc.localDescription.sdp });
        });
    } else if (message.type === "answer") {
      pc.setRemoteDescription({ type: "answer", sdp: message.sdp }).then(flushCandidates);
    } else if (message.type === "candidate" && message.candidate) {
      if (pc.remoteDescription) {
        pc.addIceCandidate(message.candidate).catch(function () {});
      } else {
        queued.push(message.candidate); // arrived before the offer or answer: added once it is set
      }
    } else if (message.type === "bye") {
      setState("left");
    }
  }

  function join() {
    joinButton.disabled = true;
    setState("connecting");
    startDevices()
      .then(function () {
        makePeer();
        var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
        socket = new WebSocket(scheme + window.location.host + config.socket);
        socket.addEventListener("open", function () {
          send({ type: "hello" });
          setState("waiting");
        });
        socket.addEventListener("message", function (event) {
          var message;
          try {
            message = JSON.parse(event.data);
          } catch (error) {
            return;
          }
          onSignal(message);
        });
        socket.addEventListener("close", function (event) {
          if (event.code === 4403 || event.code === 4401) {
            setState("refused");
          }
        });
        window.addEventListener("pagehide", function () {
          send({ type: "bye" });
        });
      })
      .catch(function () {
        setState("no-devices");
        joinButton.disabled = false;
      });
  }

  if (testButton) {
    testButton.addEventListener("click", function () {
      startDevices().catch(function () {
        setState("no-devices");
      });
    });
  }
  if (joinButton) {
    joinButton.addEventListener("click", join);
  }
})();
