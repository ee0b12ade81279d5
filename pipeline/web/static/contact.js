// The contact page: seek the recording from anything with data-seek (a word, a turn's time, a piece of
// evidence, a timeline span, the waveform), highlight the turn and word being played, draw both channels.
(function () {
  "use strict";
  const audio = document.getElementById("audio");
  const canvas = document.getElementById("wave");
  let peaks = null;

  function seek(seconds) {
    if (!audio || !isFinite(seconds)) return;
    audio.currentTime = seconds;
    const playing = audio.play();
    if (playing && playing.catch) playing.catch(function () {});  // autoplay may be refused: the seek stands
  }

  document.addEventListener("click", function (event) {
    const target = event.target.closest("[data-seek]");
    if (target) seek(parseFloat(target.dataset.seek));
  });

  const turns = Array.from(document.querySelectorAll(".turn[data-start]"));
  const words = Array.from(document.querySelectorAll(".w[data-seek]"));
  function mark(list, now, startKey, endKey, cls) {
    let current = null;
    for (const el of list) {
      const on = now >= parseFloat(el.dataset[startKey]) && now < parseFloat(el.dataset[endKey]);
      el.classList.toggle(cls, on);
      if (on && !current) current = el;
    }
    return current;
  }
  let lastTurn = null;
  function follow() {
    const now = audio.currentTime;
    const turn = mark(turns, now, "start", "end", "current");
    mark(words, now, "seek", "end", "spoken");
    if (turn && turn !== lastTurn && !audio.paused) turn.scrollIntoView({block: "nearest"});
    lastTurn = turn;
    draw();
  }

  function draw() {
    if (!canvas || !peaks) return;
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height, rows = peaks.channels.length || 1, rowH = h / rows;
    ctx.clearRect(0, 0, w, h);
    const colours = ["#2b6cb0", "#c05621"];
    peaks.channels.forEach(function (channel, c) {
      const mid = rowH * c + rowH / 2, step = w / Math.max(channel.length, 1);
      ctx.fillStyle = colours[c % colours.length];
      channel.forEach(function (v, i) {
        const half = Math.max(v * (rowH / 2 - 2), 0.5);
        ctx.fillRect(i * step, mid - half, Math.max(step - 0.5, 0.5), 2 * half);
      });
      ctx.fillStyle = "#4a5568";
      ctx.font = "12px sans-serif";
      ctx.fillText(peaks.labels[c] || "", 4, rowH * c + 14);
    });
    if (audio && peaks.duration_s > 0) {
      const x = w * audio.currentTime / peaks.duration_s;
      ctx.fillStyle = "#e53e3e";
      ctx.fillRect(x - 1, 0, 2, h);
    }
  }

  if (canvas) {
    fetch(canvas.dataset.peaks, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { peaks = data; canvas.dataset.ready = data ? "1" : "0"; draw(); });
    canvas.addEventListener("click", function (event) {
      if (!peaks) return;
      const box = canvas.getBoundingClientRect();
      seek(peaks.duration_s * (event.clientX - box.left) / box.width);
    });
  }
  if (audio) {
    audio.addEventListener("timeupdate", follow);
    audio.addEventListener("seeked", follow);
  }
})();
