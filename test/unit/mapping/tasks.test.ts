import { describe, expect, it } from 'vitest';
import { mapTaskCompletion, mapTaskToCreateBody, mapTaskToUpdateBody } from '../../../lib/mapping/tasks.js';
import { aTask, mappingConfig } from './records.js';

const config = mappingConfig();
const NOW = Date.parse('2026-11-20T08:30:00.250Z');

describe('mapTaskToCreateBody', () => {
  it('maps title, description, due date and status', () => {
    const { body, issues } = mapTaskToCreateBody(aTask(), config, NOW);
    expect(body).toEqual({ title: 'Send offer', body: 'Offer for 10 seats', dueDate: '2026-11-27T10:00:00Z', completed: false });
    expect(issues).toEqual([]);
  });

  it('writes the due date in UTC without milliseconds', () => {
    const { body } = mapTaskToCreateBody(aTask({ due_at: '2026-11-27T11:00:00.789+01:00' }), config, NOW);
    expect(body.dueDate).toBe('2026-11-27T10:00:00Z');
  });

  it('reads a due date without an offset as wall time in the configured zone', () => {
    const { body } = mapTaskToCreateBody(aTask({ due_at: '2026-07-01T09:00:00' }), config, NOW);
    expect(body.dueDate).toBe('2026-07-01T07:00:00Z');
  });

  it('makes a task without a due date due the configured hours from now', () => {
    const { body } = mapTaskToCreateBody(aTask({ due_at: null }), mappingConfig({ tasks: { defaultDueInHours: 48 } }), NOW);
    expect(body.dueDate).toBe('2026-11-22T08:30:00Z');
  });

  it('accepts now as a Date', () => {
    const { body } = mapTaskToCreateBody(aTask({ due_at: undefined }), config, new Date(NOW));
    expect(body.dueDate).toBe('2026-11-21T08:30:00Z');
  });

  it('uses the default due date for an unreadable due_at and reports it', () => {
    const { body, issues } = mapTaskToCreateBody(aTask({ due_at: 'next tuesday' }), config, NOW);
    expect(body.dueDate).toBe('2026-11-21T08:30:00Z');
    expect(issues).toEqual([{ field: 'due_at', reason: 'invalid-date' }]);
  });

  it('gives a task without a title the configured default title', () => {
    const { body } = mapTaskToCreateBody(aTask({ title: ' ' }), mappingConfig({ tasks: { defaultTitle: 'Opgave' } }), NOW);
    expect(body.title).toBe('Opgave');
  });

  it('leaves out a blank description', () => {
    const { body } = mapTaskToCreateBody(aTask({ description: '  ' }), config, NOW);
    expect(body).not.toHaveProperty('body');
  });

  it('creates a completed task as completed', () => {
    expect(mapTaskToCreateBody(aTask({ status: 'completed' }), config, NOW).body.completed).toBe(true);
  });

  it('assigns the task to the GHL user mapped from the Relatel employee', () => {
    const { body } = mapTaskToCreateBody(aTask({ assignee_id: 7 }), mappingConfig({ users: { '7': 'ghl-user-7' } }), NOW);
    expect(body.assignedTo).toBe('ghl-user-7');
  });

  it('leaves the task unassigned when no users are mapped, without reporting it', () => {
    const { body, issues } = mapTaskToCreateBody(aTask({ assignee_id: 7 }), config, NOW);
    expect(body).not.toHaveProperty('assignedTo');
    expect(issues).toEqual([]);
  });

  it('reports an employee missing from the users map', () => {
    const { body, issues } = mapTaskToCreateBody(aTask({ assignee_id: 8 }), mappingConfig({ users: { '7': 'ghl-user-7' } }), NOW);
    expect(body).not.toHaveProperty('assignedTo');
    expect(issues).toEqual([{ field: 'assignee_id', reason: 'unmapped-user' }]);
  });
});

describe('mapTaskToUpdateBody', () => {
  it('maps the fields Relatel gave', () => {
    const { body } = mapTaskToUpdateBody(aTask({ status: 'completed' }), config);
    expect(body).toEqual({ title: 'Send offer', body: 'Offer for 10 seats', dueDate: '2026-11-27T10:00:00Z', completed: true });
  });

  it('reopens a task whose status is open', () => {
    expect(mapTaskToUpdateBody(aTask({ status: 'open' }), config).body.completed).toBe(false);
  });

  it('leaves out what Relatel did not give, so GHL keeps it', () => {
    const { body } = mapTaskToUpdateBody({ id: 501, contact_id: 1001 }, config);
    expect(body).toEqual({});
  });

  it('leaves out an unreadable due date and reports it', () => {
    const { body, issues } = mapTaskToUpdateBody(aTask({ due_at: '27/11/2026' }), config);
    expect(body).not.toHaveProperty('dueDate');
    expect(issues).toEqual([{ field: 'due_at', reason: 'invalid-date' }]);
  });
});

describe('mapTaskCompletion', () => {
  it('is the body of the completed endpoint', () => {
    expect(mapTaskCompletion(true)).toEqual({ completed: true });
  });
});
