import { Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { api, onClientEvent } from '../api/client';
import { minutesSeconds } from '../lib/dates';
import { signOut } from '../session/session';

const PING_EVERY_MS = 30_000;
const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

/**
 * Automatic log-off (45 CFR 164.312(a)(2)(iii)): the time left before the session ends for want
 * of activity, visible in the header. Keyboard or pointer use tells the server (at most every
 * 30 s); the deadline follows the server's, never ahead of it. At zero: sign out, go to sign-in.
 */
export function IdleTimer({ idleTimeoutSeconds, initialSecondsLeft }: { idleTimeoutSeconds: number; initialSecondsLeft: number }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const deadline = useRef(Date.now() + initialSecondsLeft * 1000);
  const lastPing = useRef(Date.now());
  const [left, setLeft] = useState(initialSecondsLeft);

  useEffect(() => {
    const bump = () => {
      deadline.current = Date.now() + idleTimeoutSeconds * 1000;
      lastPing.current = Date.now();
    };
    const off = onClientEvent((e) => {
      if (e.kind === 'activity') bump();
    });
    const onActivity = () => {
      if (Date.now() - lastPing.current < PING_EVERY_MS) return;
      lastPing.current = Date.now();
      void api.POST('/v1/session/activity').then((r) => {
        if (r.data) deadline.current = Date.now() + r.data.idleSecondsLeft * 1000;
      });
    };
    for (const ev of ACTIVITY) window.addEventListener(ev, onActivity, { passive: true });
    const tick = window.setInterval(() => {
      const s = Math.max(0, Math.round((deadline.current - Date.now()) / 1000));
      setLeft(s);
      if (s === 0) {
        window.clearInterval(tick);
        void signOut(queryClient).then(() => navigate({ to: '/sign-in', search: { ended: 'idle' } }));
      }
    }, 1000);
    return () => {
      off();
      for (const ev of ACTIVITY) window.removeEventListener(ev, onActivity);
      window.clearInterval(tick);
    };
  }, [idleTimeoutSeconds, navigate, queryClient]);

  const warn = left <= 120;
  return (
    <Text
      size="sm"
      c={warn ? 'red.9' : 'gray.8'}
      fw={warn ? 700 : 400}
      className="sh-countdown"
      data-testid="idle-timer"
      role="timer"
      aria-live={warn ? 'polite' : 'off'}
    >
      Signs out after inactivity in {minutesSeconds(left)}
    </Text>
  );
}
