#!/usr/bin/python3
"""embed.py: masterchain inside a Python application (GObject introspection).

Builds  SOURCE ! audioconvert ! audioresample ! masterchain ! audioconvert ! SINK,
prints the meter's and the loudness stage's messages, and after one second
changes settings while playing: the loudness target (a masterchain property)
and the limiter ceiling (a child property, `limiter::ceiling`).

    embed.py [--seconds S] [--sink SINK] [FILE]

Needs python3-gi and gir1.2-gstreamer-1.0 (Debian), and the mastering plugin
on GST_PLUGIN_PATH (or installed).
"""
import argparse
import sys

import gi
gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--sink", default="autoaudiosink")
    ap.add_argument("file", nargs="?")
    args = ap.parse_args()

    Gst.init(None)
    if args.file:
        source = 'filesrc location="%s" ! decodebin' % args.file
    else:
        source = "audiotestsrc wave=pink-noise volume=0.3"
    pipeline = Gst.parse_launch(
        "%s ! audioconvert ! audioresample ! masterchain name=chain mode=live "
        "preset=streaming ! audioconvert ! %s" % (source, args.sink))
    chain = pipeline.get_by_name("chain")
    # meter messages ten times a second (child property through GstChildProxy)
    meter = chain.get_child_by_name("meter")
    if meter.find_property("interval"):
        meter.set_property("interval", 100 * Gst.MSECOND)

    counts = {"meter": 0, "loudnorm": 0}
    loop = GLib.MainLoop()

    def on_message(bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s.get_name() == "mastermeter":
                print("meter:", s.to_string())
                counts["meter"] += 1
            elif s.get_name() == "masterloudnorm":
                ok_g, gain = s.get_double("gain")
                ok_l, loud = s.get_double("loudness")
                print("loudnorm: gain %+.2f dB, loudness %.2f LUFS" % (gain, loud))
                counts["loudnorm"] += 1
        elif msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            print("embed.py: error:", err.message, dbg or "", file=sys.stderr)
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()
        return True

    def change_settings():
        chain.set_property("target", -16.0)
        print("changed: target -16 LUFS")
        limiter = chain.get_child_by_name("limiter")
        if limiter.find_property("ceiling"):
            # the same as gst-launch's limiter::ceiling=-2
            Gst.ChildProxy.set_property(chain, "limiter::ceiling", -2.0)
            print("changed: limiter::ceiling %.1f dBTP" % limiter.get_property("ceiling"))
        return False

    def stop():
        pipeline.send_event(Gst.Event.new_eos())
        return False

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    GLib.timeout_add(1000, change_settings)
    GLib.timeout_add(int(args.seconds * 1000), stop)
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()
    print("embed.py: %d meter messages, %d loudnorm messages" % (counts["meter"], counts["loudnorm"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
