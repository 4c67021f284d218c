/** Example validation: every planned task has a title and a known area. */
export async function validate(input: { repository: string; tasks: Array<{ title?: string; area?: string }> }) {
  const areas = new Set(['tests', 'docs', 'code', 'security', 'ci']);
  const problems = input.tasks.flatMap((task, i) => [
    ...(task.title ? [] : [`task ${i} has no title`]),
    ...(task.area && !areas.has(task.area) ? [`task ${i} has unknown area '${task.area}'`] : []),
  ]);
  if (!/^[\w.-]+\/[\w.-]+$/.test(input.repository)) problems.push(`'${input.repository}' is not owner/name`);
  return { checked: input.tasks.length, problems };
}
