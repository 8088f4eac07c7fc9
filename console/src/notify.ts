// Optional, enabled by the user: a short tone and a desktop notification for each alert, so a trigger is
// noticed when the console is in a background tab. Nothing is loaded from anywhere: the tone is synthesised.
let audio: AudioContext | null = null;

export async function enableNotifications(): Promise<void> {
  audio ??= new AudioContext();
  await audio.resume();
  if ("Notification" in window && Notification.permission === "default")
    await Notification.requestPermission();
}

export function notify(text: string): void {
  if (audio) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.25);
  }
  if ("Notification" in window && Notification.permission === "granted") {
    new Notification("MMP console", { body: text });
  }
}
